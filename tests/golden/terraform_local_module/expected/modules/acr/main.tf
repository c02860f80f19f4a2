variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "sku" {
  type    = string
  default = "Premium"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-${var.name}"
  location = var.location
}

resource "azurerm_container_registry" "this" {
  name                = var.name
  resource_group_name = azurerm_resource_group.rg.name
  location            = var.location
  sku                 = var.sku

  network_rule_bypass_option = "AzureServices"

  network_rule_set {
    default_action = "Deny"
  }
}
