resource "azurerm_container_registry" "public_images" {
  #checkov:skip=CKV_AZURE_139:serves public base images
  name                = "contosopublic"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"
}

#tfsec:ignore:azure-container-registry-no-public-access
resource "azurerm_container_registry" "legacy" {
  name                = "contosolegacy"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"
}

# acr-fix: ignore closed by an Azure Policy remediation task
resource "azurerm_container_registry" "policy" {
  name                = "contosopolicy"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"
}

#trivy:ignore:AVD-AZU-0013
resource "azurerm_container_registry" "unrelated_ignore" {
  name                = "contosoopen"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"
}
